# ticklab_grpc_common: what every gRPC service target links (generated protos, gRPC, reflection)
# plus the header-only helpers services/common/grpc_{status,server}.h. Kept apart from
# ticklab_common, which never links gRPC. Included from the service blocks of each layer.
include_guard(GLOBAL)
find_library(TICKLAB_GRPCPP_REFLECTION NAMES grpc++_reflection REQUIRED)
add_library(ticklab_grpc_common INTERFACE)
target_link_libraries(ticklab_grpc_common INTERFACE ticklab::common ticklab::proto
                      ${TICKLAB_GRPCPP_REFLECTION} Threads::Threads)
