# One image for the three services (and the one-shot migration):
#   docker compose up                      (see docker-compose.yml)
#   docker run ... herald                  all three services, migrating first
#   docker run ... herald node scripts/start.mjs --no-build --no-migrate --only worker

# Only the package manifests, so `npm ci` below stays cached until dependencies change.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -depth -type d -empty -delete

FROM node:20-bookworm-slim
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=manifests /app ./
# The image's npm (10) ignores package.json "allowScripts": deny dependency scripts here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx turbo run build
ENV NODE_ENV=production
USER node
EXPOSE 3000 3001 3002
# Migrations run once, before the services: the `migrate` service of docker-compose.yml
# runs `node scripts/db-setup.mjs`; a lone container migrates itself (drop --no-migrate).
CMD ["node", "scripts/start.mjs", "--no-build"]
