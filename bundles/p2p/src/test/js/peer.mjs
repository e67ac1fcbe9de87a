// A js-libp2p peer driven by the Java interop tests: one JSON command per stdin line, one JSON
// reply per stdout line ({"id":..,"ok":true,..} or {"id":..,"ok":false,"error":".."}); events
// ({"event":..}) are printed as they happen. Listens on loopback only.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { createInterface } from 'node:readline'

const wanted = new Set((process.argv[2] ?? 'identify,ping').split(','))
const listen = process.argv[3] ?? '/ip4/127.0.0.1/tcp/0'
// 'detached': keep running when stdin closes (the mDNS test runs this peer in the background)
const detached = process.argv[4] === 'detached'

const services = { identify: identify(), identifyPush: identifyPush(), ping: ping() }
if (wanted.has('pubsub')) {
  services.pubsub = gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, heartbeatInterval: 700 })
}
if (wanted.has('dht')) {
  services.dht = kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper, protocol: '/ipfs/kad/1.0.0' })
}

const node = await createLibp2p({
  addresses: { listen: [listen] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services,
  // every test peer is on 127.0.0.1: lift the per-address inbound rate limit
  connectionManager: { inboundConnectionThreshold: 10000, maxIncomingPendingConnections: 1000 },
  connectionMonitor: { enabled: false },
  peerDiscovery: wanted.has('mdns') ? [mdns({ interval: 1000 })] : []
})

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')

if (services.pubsub) {
  node.services.pubsub.addEventListener('message', (evt) => {
    const m = evt.detail
    out({ event: 'message', topic: m.topic, from: m.from?.toString(), data: Buffer.from(m.data).toString('utf8'), base64: Buffer.from(m.data).toString('base64') })
  })
}
node.addEventListener('peer:discovery', (evt) => {
  out({ event: 'discovery', peer: evt.detail.id.toString(), addrs: evt.detail.multiaddrs.map(String) })
})
node.addEventListener('peer:identify', (evt) => {
  out({ event: 'identify', peer: evt.detail.peerId.toString(), protocols: evt.detail.protocols, addrs: evt.detail.listenAddrs.map(String) })
})

const commands = {
  async dial ({ addr }) {
    const c = await node.dial(multiaddr(addr))
    return { peer: c.remotePeer.toString() }
  },
  async ping ({ addr }) {
    return { rtt: await node.services.ping.ping(multiaddr(addr)) }
  },
  async peer ({ peer }) {
    const p = await node.peerStore.get(peerIdFromString(peer))
    return { protocols: p.protocols, addrs: p.addresses.map(a => a.multiaddr.toString()) }
  },
  async connections () {
    return { peers: node.getConnections().map(c => c.remotePeer.toString()) }
  },
  async subscribe ({ topic }) {
    node.services.pubsub.subscribe(topic)
    return {}
  },
  async meshPeers ({ topic }) {
    return { peers: node.services.pubsub.getMeshPeers(topic).map(String), subscribers: node.services.pubsub.getSubscribers(topic).map(String) }
  },
  async publish ({ topic, data }) {
    const r = await node.services.pubsub.publish(topic, new TextEncoder().encode(data))
    return { recipients: r.recipients.map(String) }
  },
  async provide ({ cid }) {
    await node.contentRouting.provide(CID.parse(cid))
    return {}
  },
  async findProviders ({ cid }) {
    const found = []
    for await (const p of node.contentRouting.findProviders(CID.parse(cid), { signal: AbortSignal.timeout(10000) })) {
      found.push(p.id.toString())
      break
    }
    return { providers: found }
  },
  // the node's capability key, derived here from its documented rule (ProviderKeys), not taken from Java
  async findCapability ({ network, capability }) {
    const digest = await sha256.digest(new TextEncoder().encode(`hanzo/${network}/capability/${capability}`))
    const cid = CID.createV1(0x55, digest)
    const found = []
    for await (const p of node.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10000) })) {
      found.push(p.id.toString())
      break
    }
    return { cid: cid.toString(), providers: found }
  },
  async stop () {
    await node.stop()
    setTimeout(() => process.exit(0), 10)
    return {}
  }
}

out({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })

const rl = createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let req
  try {
    req = JSON.parse(line)
  } catch {
    return
  }
  try {
    const res = await commands[req.cmd](req)
    out({ id: req.id, ok: true, ...res })
  } catch (err) {
    out({ id: req.id, ok: false, error: String(err?.stack ?? err) })
  }
})
rl.on('close', async () => {
  if (detached) {
    return
  }
  await node.stop()
  process.exit(0)
})
