# Build stage: compile TypeScript and the native SQLite driver with the full toolchain.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json knexfile.ts index.ts ./
COPY core core
COPY adapters adapters
COPY server server
COPY bench bench
COPY scripts scripts
COPY schemas schemas
COPY bin bin
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what runs, as the unprivileged node user. No demo organization: its admin
# keys would be printed into the container log. Create the first key with
# `docker exec <container> mcp-gateway keys create --dialect aitronos --org <org> --role admin`.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:/data/mcp-gateway.sqlite \
    PORT=8080 \
    MCP_GATEWAY_DEMO=false
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
COPY --from=build --chown=node:node /app/bin bin
COPY --from=build --chown=node:node /app/schemas schemas
COPY --from=build --chown=node:node /app/package.json package.json
RUN mkdir -p /data && chown node:node /data && ln -s /app/bin/mcp-gateway.js /usr/local/bin/mcp-gateway
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-old-space-size=256", "bin/mcp-gateway.js", "serve"]
