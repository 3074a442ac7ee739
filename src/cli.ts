#!/usr/bin/env node
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2));
// Exit explicitly once stdout has drained: a WebGPU instance can keep the event loop alive after dispose().
process.stdout.write('', () => process.exit(code));
