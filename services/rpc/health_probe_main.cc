// ticklab-health-probe: asks a gRPC server for its grpc.health.v1 status; exits 0 when SERVING.
//
//   ticklab-health-probe HOST:PORT [--timeout-ms N]      (default 2000)
//
// The container health check of the C++ services (deploy/docker-compose.yml), whose images hold no
// shell tools or Python. Prints "HOST:PORT SERVING" (or the status / the error); exit 1 otherwise.
// No generated code of grpc's health.proto is needed: the request (HealthCheckRequest with the
// empty service name, i.e. the whole server) is empty on the wire, and the reply's only field,
// `status` (field 1), is one small varint.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <vector>

namespace {

const char* const kStatusNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

// HealthCheckResponse.status from its wire bytes: tag 0x08 (field 1, varint) then the value; an
// empty message means the default, UNKNOWN (0). Returns -1 for anything else.
int DecodeStatus(const std::string& wire) {
  if (wire.empty()) return 0;
  if (wire.size() == 2 && wire[0] == 0x08 && wire[1] >= 0 && wire[1] <= 3) return wire[1];
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int timeout_ms = 2000;
  if (argc == 4 && std::strcmp(argv[2], "--timeout-ms") == 0) timeout_ms = std::atoi(argv[3]);
  if ((argc != 2 && argc != 4) || timeout_ms <= 0) {
    std::fprintf(stderr, "usage: ticklab-health-probe HOST:PORT [--timeout-ms N]\n");
    return 2;
  }
  const std::string address = argv[1];
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::Slice empty("");
  const grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    std::printf("%s UNREACHABLE (%s)\n", address.c_str(), status.error_message().c_str());
    return 1;
  }
  std::vector<grpc::Slice> slices;
  std::string wire;
  if (response.Dump(&slices).ok())
    for (const grpc::Slice& s : slices)
      wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  const int code = DecodeStatus(wire);
  std::printf("%s %s\n", address.c_str(), code < 0 ? "UNPARSEABLE" : kStatusNames[code]);
  return code == 1 ? 0 : 1;
}
