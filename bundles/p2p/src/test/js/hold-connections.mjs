// A hostile peer for the connection-flood test: opens COUNT TCP connections to HOST:PORT (from
// LOCAL when given) once "go" arrives on stdin, and keeps them: every connection the node closes
// is opened again after about a second. 'idle' connections never send a byte; 'slow' ones send
// the multistream-select header one byte every two seconds, a handshake that never finishes.
// Prints {"opened":..,"open":..,"closed":..} every 500 ms; exits when stdin closes.
import net from 'node:net'
import { createInterface } from 'node:readline'

const [host, port, count, mode, local] = process.argv.slice(2)
const total = Number(count)
const header = Buffer.from('\x13/multistream/1.0.0\n', 'latin1')
let opened = 0
let open = 0
let closed = 0
let stopping = false

function connect () {
  if (stopping) return
  const s = net.connect({ host, port: Number(port), localAddress: local || undefined })
  let timer = null
  let counted = false
  s.on('connect', () => {
    counted = true
    opened++
    open++
    if (mode === 'slow') {
      let i = 0
      timer = setInterval(() => { if (i < header.length) s.write(header.subarray(i, ++i)) }, 2000)
    }
  })
  s.on('data', () => {})
  s.on('error', () => {})
  s.on('close', () => {
    if (timer) clearInterval(timer)
    if (counted) { open--; closed++ }
    setTimeout(connect, 800 + Math.random() * 400)
  })
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (line.trim() === 'go') {
    // open in waves of 100 so the burst does not stall on the listener's backlog
    let started = 0
    const wave = () => {
      for (let i = 0; i < 100 && started < total; i++, started++) connect()
      if (started < total) setTimeout(wave, 20)
    }
    wave()
  }
})
rl.on('close', () => { stopping = true; process.exit(0) })
setInterval(() => process.stdout.write(JSON.stringify({ opened, open, closed }) + '\n'), 500)
