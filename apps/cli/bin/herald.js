#!/usr/bin/env node
// The `herald` command; the code is built into dist/ (npx turbo run build --filter=@herald/cli).
import '../dist/main.js';
