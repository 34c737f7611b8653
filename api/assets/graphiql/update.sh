#!/usr/bin/env bash
# Copies the browser builds of the GraphiQL release pinned in package.json (and package-lock.json)
# into dist/, which api/src/http/graphiql.rs embeds in the binary. Run after changing a version:
#   cd api/assets/graphiql && npm install graphiql@<version> --save-exact && ./update.sh
# then commit package.json, package-lock.json and dist/. node_modules/ is never committed.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
rm -rf dist
mkdir -p dist
cp node_modules/react/umd/react.production.min.js dist/react.production.min.js
cp node_modules/react-dom/umd/react-dom.production.min.js dist/react-dom.production.min.js
cp node_modules/graphiql/graphiql.min.js dist/graphiql.min.js
cp node_modules/graphiql/graphiql.min.css dist/graphiql.min.css
# The source maps and unminified builds stay out: they would triple the binary's added size; the
# build's pointer to its map goes too, so an open DevTools asks the server for nothing it lacks.
sed -i '/^\/\/# sourceMappingURL=/d' dist/graphiql.min.js
cp node_modules/graphiql/LICENSE dist/LICENSE.graphiql
cp node_modules/react/LICENSE dist/LICENSE.react
cp node_modules/react-dom/LICENSE dist/LICENSE.react-dom
# Precompressed copies for browsers that accept gzip (all do): a quarter of the bytes on a slow
# provincial link. -n leaves out the name and time, so the same input gives the same file.
for f in react.production.min.js react-dom.production.min.js graphiql.min.js graphiql.min.css; do
  gzip -9 -n -k "dist/$f"
done
node -e 'for (const p of ["graphiql", "react", "react-dom"]) console.log(p, require(`./node_modules/${p}/package.json`).version)' > dist/VERSIONS
cat dist/VERSIONS
