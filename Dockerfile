# syntax=docker/dockerfile:1.7
# One image, three roles (APP_ROLE=all|api|worker). Build: docker build -t video-job-service .
# Needs BuildKit (default in current Docker) for the npm cache mounts.

# Node 24 LTS; NODE_IMAGE=node:20-bookworm-slim still builds a working image (scripts/test.sh tests both majors).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: every dependency (dev included) for the build; re-runs only when the lockfile changes.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# swagger-ui-dist pulls @scarf/scarf, whose install script phones home unless told not to.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error

# ---- build: Nest CLI -> dist/. Only what tsc needs is copied, so test/docs edits keep the cache.
FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY console ./console
# The `vgs` CLI and the SDK it is built on (dist/clients).
COPY clients ./clients
RUN npm run build

# ---- prod-deps: a separate stage so source edits never invalidate the production node_modules layer.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---- runtime
FROM ${NODE_IMAGE} AS runtime

# Render toolchain (ffmpeg/ffprobe, espeak-ng, fonts the pipeline looks up by path, fc-match), procps
# for ps, tini as PID 1 so SIGTERM reaches node and orphaned ffmpeg/espeak children are reaped.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ffmpeg espeak-ng fonts-dejavu-core fonts-noto-core fontconfig procps tini \
 && rm -rf /var/lib/apt/lists/*

# Fixed numeric uid/gid: matches runAsUser/fsGroup in deploy/k8s and lets runAsNonRoot verify it.
# /data is created owned by the app user so a fresh named volume inherits that ownership.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /data \
 && chown app:app /data

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    APP_ROLE=all

WORKDIR /app
# Owned by root: the app user can read but not modify its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The web console's bundle (Vite), served at /console.
COPY --from=build /app/console/dist ./console/dist

USER 10001:10001
VOLUME /data
EXPOSE 3000

# No curl in the image: node's fetch. Liveness only (no dependency checks), as in Kubernetes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]

# Last, so a new version/revision does not invalidate the layers above.
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="video-job-service" \
      org.opencontainers.image.description="Video generation job service: NestJS + Redis + BullMQ + ffmpeg (APP_ROLE=all|api|worker)" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/your-org/video-job-service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
