# OpenAI Chat Completions -> Anthropic Messages gateway on Bun.
#
#   docker build -t claude-openai-gateway .
#   docker run --rm --env-file .env -p 5000:5000 -v gateway-data:/home/bun/app/data claude-openai-gateway
#   docker compose up -d --build            (see compose.yaml)
#
# The image runs the bundle `bun run build` makes of src/ (launcher, configuration check, worker,
# demo; minified, dependencies included): no node_modules and no TypeScript at run time, and about
# 6 MiB less memory per process than running src/ (docs/performance.md).
# BUN_TAG pins the Bun minor version this image is tested with.
ARG BUN_TAG=1.4

# --------------------------------------------------------------- build stage
FROM oven/bun:${BUN_TAG} AS build
WORKDIR /home/bun/app
COPY package.json bun.lock ./
# --frozen-lockfile: fail instead of changing bun.lock; --production: no devDependencies (the
# bundler is Bun itself).
RUN bun install --frozen-lockfile --production
# bunfig.tom[l] / tsconfig.jso[n]: copied when present (package.json always matches, so COPY never fails).
COPY package.json bun.lock bunfig.tom[l] tsconfig.jso[n] ./
COPY src ./src
RUN bun run build

# ------------------------------------------------------------- runtime stage
FROM oven/bun:${BUN_TAG} AS runtime
WORKDIR /home/bun/app
# No transpiler cache on disk: the root filesystem is read-only under compose.
ENV NODE_ENV=production \
    PORT=5000 \
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=0

# Owned by root and read-only for the bun user: the gateway never writes to its own files.
COPY --from=build /home/bun/app/dist ./dist

# Stored responses (RESPONSES_DB_PATH, default ./data/responses.sqlite) are the only thing the
# gateway writes: that directory is a volume (compose mounts a named one), owned by bun so that a
# fresh volume starts out writable under the read-only root filesystem.
RUN mkdir -p data && chown bun:bun data
VOLUME ["/home/bun/app/data"]

USER bun
EXPOSE 5000

# bun itself is the probe (the image has no curl); PORT is the port the gateway listens on.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bun", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form, no npm / sh -c in between: SIGTERM reaches the launcher, which drains its
# workers for up to SHUTDOWN_GRACE_SECONDS (default 8) and exits 0.
CMD ["bun", "dist/main.js"]
