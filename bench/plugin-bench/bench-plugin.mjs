// Times a plugin's hot install on a running node: from moving the runc example's jar into deploy/
// to (1) the plugin.active event, (2) its runtime running a first deployment (Deploy sent on
// plugin.active, GetStatus polled every 10 ms until the replica is ready), (3) a js-libp2p peer
// receiving the node's capability announcement with runtime:runc over gossipsub, and (4) that peer
// finding the node as a provider of runtime:runc in the DHT (lookups back to back). Next to it, in
// the same run, the same deployment on the runtime once installed (the floor a hot install adds to).
// A fresh js peer per run, so no provider record of an earlier run is found. Each run does it
// twice: the jar dropped, then a features XML naming the jar; one table row per form.
//
// Run by bench-plugin.sh from the js-libp2p harness directory (ES modules resolve packages there);
// gRPC comes from bench/startup's node_modules.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [home, jar, protoDir, grpcModules, runsArg = '5'] = process.argv.slice(2)
const RUNS = Number(runsArg)
const NETWORK = 'plugin-bench'
const require = createRequire(path.join(grpcModules, 'package.json'))
const grpc = require('@grpc/grpc-js')
const protoLoader = require('@grpc/proto-loader')
const protobuf = require('protobufjs')

const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(
  [path.join(protoDir, 'hanzo/node/v1/node.proto')],
  { includeDirs: [protoDir], keepCase: true, enums: String, longs: Number, defaults: true }))
const v1 = loaded.hanzo.node.v1
const Announcement = protobuf.loadSync(path.join(protoDir, 'hanzo/p2p/v1/presence.proto'))
  .lookupType('hanzo.p2p.v1.NodeAnnouncement')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const now = () => performance.now()
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
})

async function jsPeer () {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, heartbeatInterval: 700 }),
      dht: kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper, protocol: '/ipfs/kad/1.0.0' })
    },
    connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000 },
    connectionMonitor: { enabled: false }
  })
  node.services.pubsub.subscribe('hanzo/deployments/v1')
  return node
}

async function capabilityCid (capability) {
  const digest = await sha256.digest(new TextEncoder().encode(`hanzo/${NETWORK}/capability/${capability}`))
  return CID.createV1(0x55, digest)
}

async function until (what, check, timeoutMs = 60000, everyMs = 20) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(everyMs)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN }
const ms = (x) => Number.isFinite(x) ? x.toFixed(0) : '-'

async function main () {
  const grpcPort = await freePort()
  const p2pPort = await freePort()
  const first = await jsPeer()
  const bootstrap = first.getMultiaddrs()[0].toString()
  const out = fs.openSync(path.join(home, 'bench-node.out'), 'w')
  const nodeProcess = spawn(path.join(home, 'bin/hanzo-node'), [
    '--grpc-addr', `127.0.0.1:${grpcPort}`, '--http-addr', `127.0.0.1:${await freePort()}`,
    '--p2p-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`, '--mdns=false', '--network-id', NETWORK,
    '--bootstrap', bootstrap
  ], { cwd: home, stdio: ['ignore', out, out] })
  const stopNode = () => { try { nodeProcess.kill('SIGTERM') } catch {} }
  process.on('exit', stopNode)
  try {
    const metadata = new grpc.Metadata()
    let client
    await until('the node serving', async () => {
      if (!fs.existsSync(path.join(home, 'data/admin.key'))) return false
      if (!client) {
        metadata.set('x-api-key', fs.readFileSync(path.join(home, 'data/admin.key'), 'utf8').trim())
        client = new v1.NodeService(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure())
      }
      return new Promise((resolve) => client.GetStatus({}, metadata, { deadline: Date.now() + 1000 },
        (error, status) => resolve(!error && status.state === 'NODE_STATE_READY')))
    }, 180000, 100)
    const call = (method, request) => new Promise((resolve, reject) =>
      client[method](request, metadata, { deadline: Date.now() + 30000 }, (e, r) => e ? reject(e) : resolve(r)))
    await until('the node in the bootstrap peer', async () => first.getConnections().length > 0)
    const nodePeer = first.getConnections()[0].remotePeer.toString()
    const nodeAddr = `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${nodePeer}`
    await first.stop()

    // plugin events, as they happen
    const events = []
    const stream = client.GetEvents({ event_types: ['plugin.installed', 'plugin.active', 'plugin.uninstalled'] }, metadata)
    stream.on('data', (e) => events.push({ at: now(), type: e.event_type, id: e.resource_id, provides: e.attributes.provides ?? '' }))
    stream.on('error', () => {})
    // a runtime plugin can be reported active before its runtime is registered: wait for the one
    // that names it
    const event = (type, since) => events.find((e) => e.type === type && e.id === 'runc' && e.at >= since &&
      (type !== 'plugin.active' || e.provides.split(',').includes('runtime:runc')))

    const deployment = (id) => ({
      deployment_id: id,
      name: id,
      spec: { services: { web: {
        image: 'busybox',
        command: ['sh', '-c', "trap 'exit 0' TERM; sleep 600 & wait"],
      } } },
      options: { labels: { 'hanzo.runtime': 'runc' } }
    })
    // the orchestrator self-tests a new runtime on its own: until it has, Deploy on it is refused
    // with FAILED_PRECONDITION (nothing created); try again at once
    const deploy = async (id) => {
      while (true) {
        try {
          return await call('Deploy', deployment(id))
        } catch (e) {
          if (e.code !== grpc.status.FAILED_PRECONDITION) throw e
          await sleep(10)
        }
      }
    }
    const running = async (id) => (await call('GetStatus', {})).deployments
      .some((d) => d.deployment_id === id && d.ready_replicas === 1)
    const gone = async (id) => !(await call('GetStatus', {})).deployments.some((d) => d.deployment_id === id)

    // each run drops the plugin twice: as its jar, and as a features XML naming the jar (the
    // node's plugin deployer wraps it into a KAR and installs it through Karaf's KAR service)
    const xml = '<features name="runc-bench" xmlns="http://karaf.apache.org/xmlns/features/v1.6.0">' +
      `<feature name="runc" version="1"><bundle>${pathToFileURL(jar).href}</bundle></feature></features>`
    const forms = { jar: { file: 'runtime-runc.jar', rows: [] }, 'features XML': { file: 'runtime-runc.xml', rows: [] } }
    for (let run = 1; run <= RUNS; run++) {
      for (const [form, { file, rows }] of Object.entries(forms)) {
        const peer = await jsPeer()
        const gossip = []
        peer.services.pubsub.addEventListener('message', (evt) => {
          try {
            const a = Announcement.decode(evt.detail.data)
            if (a.capabilities && a.capabilities.added.includes('runtime:runc')) gossip.push(now())
          } catch {}
        })
        await peer.dial(multiaddr(nodeAddr))
        await until('the node in the js peer\'s topic and routing table', async () =>
          peer.services.pubsub.getSubscribers('hanzo/deployments/v1').map(String).includes(nodePeer) &&
          peer.services.dht.routingTable.size > 0)
        const cid = await capabilityCid('runtime:runc')

        const partial = path.join(home, `${file}.part`)
        if (form === 'jar') fs.copyFileSync(jar, partial)
        else fs.writeFileSync(partial, xml)
        const t0 = now()
        fs.renameSync(partial, path.join(home, 'deploy', file))

        const deployed = (async () => {
          await until('plugin.active', async () => event('plugin.active', t0), 60000, 5)
          const id = `cold-${run}`
          await deploy(id)
          await until(`${id} running`, () => running(id), 60000, 10)
          return now()
        })()
        const found = (async () => {
          while (true) {
            const providers = []
            try {
              for await (const p of peer.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(2000) })) {
                providers.push(p.id.toString())
              }
            } catch {}
            if (providers.includes(nodePeer)) return now()
            if (now() - t0 > 60000) throw new Error('runtime:runc never found in the DHT')
            await sleep(20)
          }
        })()
        const tDeploy = await deployed
        const tDht = await found
        await until('the capability announcement', async () => gossip.some((t) => t >= t0), 60000, 10)

        // the floor: the same deployment on the runtime once installed
        const w0 = now()
        await deploy(`warm-${run}`)
        await until(`warm-${run} running`, () => running(`warm-${run}`), 60000, 10)
        const tWarm = now() - w0

        rows.push({
          installed: event('plugin.installed', t0).at - t0,
          active: event('plugin.active', t0).at - t0,
          deploy: tDeploy - t0,
          gossip: gossip.find((t) => t >= t0) - t0,
          dht: tDht - t0,
          warm: tWarm
        })
        console.error(`run ${run} (${form}): ${JSON.stringify(rows[rows.length - 1], (k, v) => typeof v === 'number' ? Math.round(v) : v)}`)

        for (const id of [`cold-${run}`, `warm-${run}`]) {
          await call('Remove', { deployment_id: id })
          await until(`${id} removed`, () => gone(id), 60000, 50)
        }
        const u0 = now()
        fs.unlinkSync(path.join(home, 'deploy', file))
        await until('plugin.uninstalled', async () => event('plugin.uninstalled', u0), 60000, 10)
        await peer.stop()
      }
    }
    stream.cancel()

    const cols = ['installed', 'active', 'deploy', 'gossip', 'dht', 'warm']
    console.log(`| dropped | runs | ${cols.map((c) => c + ' p50 (min-max) ms').join(' | ')} | deploy / warm |`)
    console.log(`|---|---|${cols.map(() => '---').join('|')}|---|`)
    for (const [form, { rows }] of Object.entries(forms)) {
      const cell = (c) => `${ms(median(rows.map((r) => r[c])))} (${ms(Math.min(...rows.map((r) => r[c])))}-${ms(Math.max(...rows.map((r) => r[c])))})`
      console.log(`| ${form} | ${RUNS} | ${cols.map(cell).join(' | ')} | ${(median(rows.map((r) => r.deploy)) / median(rows.map((r) => r.warm))).toFixed(1)}x |`)
    }
  } finally {
    stopNode()
    await new Promise((resolve) => { nodeProcess.once('exit', resolve); setTimeout(resolve, 30000) })
  }
  process.exit(0)
}

main().catch((e) => { console.error(e); process.exit(1) })
