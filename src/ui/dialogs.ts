// The two questions the page asks (no window.confirm): are you sure (stop or
// restart everything), and which signal. Both are modal <dialog>s from the
// page; Escape cancels them, and the browser puts focus back where it was.

import { byId, setText } from "./dom.ts";

/** Shows a modal dialog until `yes` (true), `no`, Escape or any other close (false). */
function ask(dialog: HTMLDialogElement, yes: HTMLButtonElement, no: HTMLButtonElement) {
  return new Promise<boolean>((resolve) => {
    const done = (answer: boolean) => {
      yes.onclick = null;
      no.onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
  });
}

/** `Stop all processes?` with a button that says what it does (`Stop all`). */
export function confirmAction(question: string, doIt: string): Promise<boolean> {
  const dialog = byId("confirm-dialog", HTMLDialogElement);
  setText(byId("confirm-text"), question);
  const yes = byId("confirm-yes", HTMLButtonElement);
  setText(yes, doIt);
  return ask(dialog, yes, byId("confirm-no", HTMLButtonElement));
}

/** The signal to send to `subject`, or undefined when cancelled. */
export async function chooseSignal(subject: string): Promise<string | undefined> {
  setText(byId("signal-text"), `Send a signal to ${subject}`);
  const select = byId("signal-name", HTMLSelectElement);
  const sent = await ask(
    byId("signal-dialog", HTMLDialogElement),
    byId("signal-send", HTMLButtonElement),
    byId("signal-cancel", HTMLButtonElement),
  );
  return sent ? select.value : undefined;
}

/** Whether a dialog is open (Escape is then the dialog's). */
export function dialogOpen(): boolean {
  return document.querySelector("dialog[open]") !== null;
}
