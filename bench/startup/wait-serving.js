// Polls grpc.health.v1.Health/Check until SERVING and prints the milliseconds since the start
// time given on the command line. The health message is declared here from the gRPC health
// spec; nothing comes from the node's own generated code.
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [address, startedAtMs, timeoutMs = '60000'] = process.argv.slice(2);
const protoFile = path.join(os.tmpdir(), 'hanzo-bench-health.proto');
fs.writeFileSync(protoFile, `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }`);
const health = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { enums: String })).grpc.health.v1;
// reconnect every 20 ms: grpc-js would otherwise back off for seconds while the port is closed
const client = new health.Health(address, grpc.credentials.createInsecure(), {
  'grpc.initial_reconnect_backoff_ms': 20,
  'grpc.min_reconnect_backoff_ms': 20,
  'grpc.max_reconnect_backoff_ms': 20,
});
const deadline = Date.now() + Number(timeoutMs);

function poll() {
  client.Check({ service: '' }, { deadline: Date.now() + 1000 }, (error, response) => {
    if (!error && response.status === 'SERVING') {
      console.log(Date.now() - Number(startedAtMs));
      process.exit(0);
    }
    if (Date.now() > deadline) {
      console.error('not SERVING within ' + timeoutMs + ' ms: ' + (error ? error.message : response.status));
      process.exit(1);
    }
    setTimeout(poll, 20);
  });
}
poll();
