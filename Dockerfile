# The Spinneret image, for users with Docker or Buildah: docker build -t <registry>/spinneret:0.1.0 .
# This project's own machine has no Docker daemon; `npm run image` builds the same image there.
# Both assemble the root filesystem with scripts/image/build-image.ts (the Node.js binary that ran
# the build, the service bundle, the compiled CNI plugin, the libraries they load, on no base
# image), and test/image.test.ts checks that the ENTRYPOINT, ENV and LABELs below are the
# script's. So the two differ only in the Node.js 20 binary of their build environment.
FROM docker.io/library/node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx scripts/image/build-image.ts --rootfs-only

FROM scratch
COPY --from=build /src/dist/image/rootfs/ /
ENV PATH=/usr/bin
LABEL org.opencontainers.image.title="spinneret" org.opencontainers.image.version="0.1.0"
ENTRYPOINT ["/usr/bin/node", "--enable-source-maps", "/opt/spinneret/service/main-node.mjs"]
