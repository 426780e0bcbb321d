// A tiny element builder and a few DOM helpers. Text always goes in as text
// (text nodes, textContent), never as HTML, so nothing a process prints or a
// name holds can become markup; no attribute is ever `style` (the page's CSP
// forbids it; colours are set through element.style).

export type Child = Node | string | number | false | null | undefined;
type Attribute = string | number | boolean | null | undefined;

/** `h("button", { type: "button", "data-action": "stop" }, "Stop")`. `false`/`null` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, Attribute>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, strings and numbers as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** The element with this id, of this kind; a page without it is a broken build. */
export function byId<T extends HTMLElement = HTMLElement>(
  id: string,
  kind: abstract new () => T = HTMLElement as unknown as abstract new () => T,
): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`the page has no #${id}`);
  return element;
}

/** Sets text only when it differs (no needless layout, no lost selection). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.textContent = "";
  append(parent, ...children);
}
