# tend's image: build the single executable with Node and npm (npm ci brings
# Bun), then ship only that file in a slim runtime image.
#
#   docker build -t tend .
#   docker run --rm tend -- sh -c 'echo hello from under tend'

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM debian:bookworm-slim
COPY --from=build /src/dist/tend /usr/local/bin/tend
ENTRYPOINT ["/usr/local/bin/tend"]
CMD ["--help"]
