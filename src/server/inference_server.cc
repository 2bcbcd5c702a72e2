#include "server/inference_server.h"

#include "server/core_server.h"

namespace berth {

StatusOr<std::unique_ptr<InferenceServer>> InferenceServer::Create(const ServerOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<CoreServer> server, CoreServer::Create(options));
  return std::unique_ptr<InferenceServer>(std::move(server));
}

}  // namespace berth
