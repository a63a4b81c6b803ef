# gRPC service (services): StatsService library + ticklab-stats-server. Included from this
# directory's CMakeLists.txt when stats_service.cc exists.
if(TARGET ticklab::proto AND TARGET ticklab::stats)
  include(${CMAKE_SOURCE_DIR}/cmake/TicklabGrpcCommon.cmake)
  add_library(ticklab_stats_service STATIC stats_service.cc)
  target_compile_options(ticklab_stats_service PRIVATE ${TICKLAB_WARNINGS})
  target_link_libraries(ticklab_stats_service PUBLIC ticklab::stats ticklab_grpc_common
                        PRIVATE SQLite::SQLite3 PkgConfig::STATS_XXHASH)
  add_executable(ticklab-stats-server stats_server_main.cc)
  target_compile_options(ticklab-stats-server PRIVATE ${TICKLAB_WARNINGS})
  target_link_libraries(ticklab-stats-server PRIVATE ticklab_stats_service)
endif()
