#include "job.hpp"

namespace certnn::cli {
namespace {
distributed::Communicator* g_ranks = nullptr;
}

distributed::Communicator* job_ranks() { return g_ranks; }

void set_job_ranks(distributed::Communicator* ranks) { g_ranks = ranks && ranks->size() > 1 ? ranks : nullptr; }

bool is_root_rank() { return !g_ranks || g_ranks->rank() == 0; }

std::string rank_suffix() {
  if (is_root_rank()) return "";
  return " (rank " + std::to_string(g_ranks->rank()) + " of " + std::to_string(g_ranks->size()) + ")";
}

}  // namespace certnn::cli
