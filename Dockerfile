# tend's image: build the single executable with Node and npm (npm ci brings
# Bun, which compiles it), then ship only that file in a slim runtime image.
#
#   docker build -t tend .
#   docker run --rm tend -- sh -c 'echo hello from under tend'
#
# Both base images are build arguments, so the image also builds where the
# public ones cannot be pulled: any Debian-like image with node and npm for
# the first stage (npm ci downloads Bun from the npm registry), any glibc
# image for the second, even one without a shell (distroless): nothing runs
# in it at build time.
#
#   docker build --build-arg BUILD_IMAGE=my/node:20 --build-arg RUNTIME_IMAGE=my/debian:12 -t tend .

ARG BUILD_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build
# Invoked as supervisorctl, tend is its client: `docker exec CTR supervisorctl status`.
# The link is made here and copied as a link, so the runtime image needs no shell.
RUN mkdir /out && cp dist/tend /out/tend && ln -s tend /out/supervisorctl

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/ /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/tend"]
CMD ["--help"]
