// Compiles src/NodeRegistry.sol with the pinned solc-js into build/NodeRegistry.{abi,bin}.
// `node compile.mjs --check` compiles again and fails when the committed files differ.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));
const contract = 'NodeRegistry';
const source = `src/${contract}.sol`;
// paris: no PUSH0, so the bytecode runs on every post-merge EVM chain, Lux C-Chain included
const evmVersion = 'paris';

const input = {
  language: 'Solidity',
  sources: { [source]: { content: readFileSync(join(here, source), 'utf8') } },
  settings: {
    evmVersion,
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const compiled = output.contracts[source][contract];
const abi = JSON.stringify(compiled.abi, null, 2) + '\n';
const bin = compiled.evm.bytecode.object; // no newline: web3j codegen copies the file verbatim
const abiFile = join(here, 'build', `${contract}.abi`);
const binFile = join(here, 'build', `${contract}.bin`);

if (process.argv.includes('--check')) {
  const stale = [];
  for (const [file, fresh] of [[abiFile, abi], [binFile, bin]]) {
    let committed = '';
    try { committed = readFileSync(file, 'utf8'); } catch { /* missing counts as stale */ }
    if (committed !== fresh) stale.push(file);
  }
  if (stale.length > 0) {
    console.error(`out of date (run: npm --prefix contracts run compile): ${stale.join(', ')}`);
    process.exit(2);
  }
  console.log(`${contract} ABI/BIN are current (solc ${solc.version()}, evmVersion ${evmVersion})`);
} else {
  mkdirSync(join(here, 'build'), { recursive: true });
  writeFileSync(abiFile, abi);
  writeFileSync(binFile, bin);
  console.log(`wrote ${abiFile} and ${binFile} (solc ${solc.version()}, evmVersion ${evmVersion})`);
}
