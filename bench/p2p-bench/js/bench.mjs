// js-libp2p side of the p2p benchmark: the same measurements as P2pBench.java between js-libp2p
// nodes in this process. Run from bundles/p2p/src/test/js (for node_modules) with the polyfill:
//   node --import ./polyfill.mjs <path>/bench.mjs
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'

const ECHO = '/hanzo/bench/echo/1.0.0'
const SINK = '/hanzo/bench/sink/1.0.0'
const CHUNK = 64 * 1024
const ACK_EVERY = 8 * 1024 * 1024

async function node (pubsub = false) {
  const services = { identify: identify() }
  if (pubsub) services.pubsub = gossipsub({ emitSelf: false, heartbeatInterval: 700, allowPublishToZeroTopicPeers: true })
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services,
    connectionManager: { inboundConnectionThreshold: 100000, maxIncomingPendingConnections: 1000, maxConnections: 10000 },
    connectionMonitor: { enabled: false }
  })
}

const pct = (v, p) => {
  const s = [...v].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)]
}
const now = () => Number(process.hrtime.bigint()) / 1e6

// gossipsub: 10 nodes, ring plus chords, 1 KiB messages; perSecond 0 = saturation (at most 50
// messages ahead of full delivery), else message i is published at t0 + i / perSecond
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
async function gossipRun (M, perSecond) {
  const N = 10
  const nodes = []
  for (let i = 0; i < N; i++) nodes.push(await node(true))
  for (let i = 0; i < N; i++) {
    await nodes[i].dial(nodes[(i + 1) % N].getMultiaddrs()[0])
    await nodes[i].dial(nodes[(i + 3) % N].getMultiaddrs()[0])
  }
  const lat = []
  let count = 0
  let counting = false
  for (const n of nodes) {
    n.services.pubsub.subscribe('bench')
    n.services.pubsub.addEventListener('message', (e) => {
      const sentAt = new DataView(e.detail.data.buffer, e.detail.data.byteOffset).getFloat64(0)
      if (counting) lat.push(now() - sentAt)
      count++
    })
  }
  const payload = () => {
    const b = new Uint8Array(1024)
    new DataView(b.buffer).setFloat64(0, now())
    return b
  }
  const pub = nodes[0].services.pubsub
  const deadline = Date.now() + 20000
  while (Date.now() < deadline) {
    const before = count
    await pub.publish('bench', payload())
    await sleep(300)
    if (count >= before + N - 1 && pub.getMeshPeers('bench').length >= 2) break
  }
  await sleep(1500)
  count = 0
  counting = true
  const tg = now()
  for (let i = 0; i < M; i++) {
    if (perSecond > 0) {
      const due = tg + i * 1000 / perSecond
      if (due > now()) await sleep(due - now())
    } else {
      while (i * (N - 1) - count > 50 * (N - 1) && now() - tg < 60000) await sleep(1)
    }
    pub.publish('bench', payload())
  }
  while (count < M * (N - 1) && now() - tg < 60000) await sleep(5)
  const rate = Math.min(count, M * (N - 1)) / (N - 1) / ((now() - tg) / 1000)
  for (const n of nodes) await n.stop()
  return { lat, rate }
}

const f = (x, d) => x.toFixed(d)
const mode = process.argv[2] ?? 'all'
if (mode === 'gossip') {
  // uncounted saturation runs first (JIT), as many as the Java runner's (WARMUP_RUNS, default 1)
  for (let i = 0; i < Number(process.env.WARMUP_RUNS ?? 1); i++) await gossipRun(2000, 0)
  const cpu0 = process.cpuUsage()
  const sat = await gossipRun(2000, 0)
  const cpu = process.cpuUsage(cpu0)
  // the whole process (all nodes, set-up included), per message
  const cpuMs = (cpu.user + cpu.system) / 1000 / 2000
  let row = `| js-libp2p | ${f(sat.rate, 0)} | ${f(pct(sat.lat, 50), 2)} | ${f(pct(sat.lat, 99), 2)} | ${f(cpuMs, 2)}`
  for (const [perSecond, M] of [[20, 200], [200, 1000]]) {
    const g = await gossipRun(M, perSecond)
    row += ` | ${f(pct(g.lat, 50), 2)} | ${f(pct(g.lat, 99), 2)} | ${f(g.rate, 0)}`
  }
  console.log(row + ' |')
  process.exit(0)
}

const a = await node()
const b = await node()
await b.handle(ECHO, (stream) => {
  stream.addEventListener('message', (e) => { stream.send(e.data) })
})
await b.handle(SINK, (stream) => {
  let received = 0
  stream.addEventListener('message', (e) => {
    const before = Math.floor(received / ACK_EVERY)
    received += e.data.byteLength
    const acks = Math.floor(received / ACK_EVERY) - before
    if (acks > 0) stream.send(new Uint8Array(acks))
  })
})
const bAddr = b.getMultiaddrs()[0]
const bNoId = multiaddr(bAddr.toString().replace(/\/p2p\/.*$/, ''))

// dial to ready
const dial = []
for (let i = 0; i < 220; i++) {
  const t = now()
  const c = await a.dial(bAddr, { force: true })
  if (i >= 20) dial.push(now() - t)
  await c.close()
}

// 1-byte echo over one stream
const echoStream = await a.dialProtocol(bAddr, ECHO)
let resolveEcho
echoStream.addEventListener('message', () => resolveEcho())
const echo = []
for (let i = 0; i < 2200; i++) {
  const p = new Promise((resolve) => { resolveEcho = resolve })
  const t = now()
  echoStream.send(new Uint8Array([1]))
  await p
  if (i >= 200) echo.push(now() - t)
}
await echoStream.close()

// single-stream throughput
const sink = await a.dialProtocol(bAddr, SINK)
let acked = 0
let sent = 0
let wake = () => {}
sink.addEventListener('message', (e) => { acked += e.data.byteLength * ACK_EVERY; wake() })
const chunk = new Uint8Array(CHUNK)
const push = async (bytes) => {
  const end = sent + bytes
  const t0 = now()
  while (sent < end) {
    while (sent - acked >= 4 * ACK_EVERY) await new Promise((resolve) => { wake = resolve })
    if (!sink.send(chunk)) await sink.onDrain()
    sent += CHUNK
  }
  while (acked < end) await new Promise((resolve) => { wake = resolve })
  return bytes / 1024 / 1024 / ((now() - t0) / 1000)
}
// as in P2pBench.java: 512 MiB to warm up, then the median of three 512 MiB runs
await push(512 * 1024 * 1024)
const runs = []
const cpu0 = process.cpuUsage()
for (let i = 0; i < 3; i++) runs.push(await push(512 * 1024 * 1024))
const cpu = process.cpuUsage(cpu0)
const nsPerByte = (cpu.user + cpu.system) * 1000 / (3 * 512 * 1024 * 1024)
runs.sort((x, y) => x - y)
const mib = `${runs[1].toFixed(0)} (${runs[0].toFixed(0)}-${runs[2].toFixed(0)})`
await sink.close()
await a.stop()
await b.stop()

const { lat, rate } = await gossipRun(2000, 0)

console.log(`| js-libp2p | ${f(pct(dial, 50), 2)} | ${f(pct(dial, 99), 2)} | ${f(pct(echo, 50), 3)} | ${f(pct(echo, 99), 3)} | ${mib} | ${nsPerByte.toFixed(2)} | ${f(pct(lat, 50), 2)} | ${f(pct(lat, 99), 2)} | ${f(rate, 0)} |`)
process.exit(0)
