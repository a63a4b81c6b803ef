// CodeVersion() alone in its file: the generated header changes with every commit, and only this
// file recompiles then.
#include "code_version.h"  // generated: TICKLAB_CODE_VERSION
#include "services/stats/stats_db.h"

namespace ticklab::stats {

const char* CodeVersion() { return TICKLAB_CODE_VERSION; }

}  // namespace ticklab::stats
