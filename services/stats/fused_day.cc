#include "services/stats/fused_day.h"

#include <utility>

namespace ticklab::stats {
namespace {
IndicatorSet* ResetFor(IndicatorSet* set, const Date& day) {
  set->Reset(day);  // before the grid is made: it starts at the day's open
  return set;
}
}  // namespace

FusedDay::FusedDay(IndicatorSet* set, const Date& day, std::vector<Horizon> horizons)
    : set_(ResetFor(set, day)),
      acc_(set->num_columns() - 2, std::move(horizons)),
      sink_(&acc_, set->num_columns()),
      grid_(set->save(), set->open_ns(), set->num_columns(), &sink_) {}

Status FusedDay::Finish(double ridge_lambda, DayRecord* rec) {
  grid_.Finish();
  TICKLAB_RETURN_IF_ERROR(sink_.Finish());
  acc_.Finish();
  const std::vector<std::string>& names = set_->column_names();
  rec->feature_names.assign(names.begin() + 2, names.end());
  SetFromAccumulator(acc_, ridge_lambda, rec);
  // The accumulator, the sink's chunk and the set's block of rows (IndicatorSet::kBlockTicks).
  const size_t row_bytes = 8 * static_cast<size_t>(set_->num_columns());
  rec->memory_bytes = static_cast<int64_t>(acc_.MemoryBytes() + sink_.MemoryBytes() +
                                           IndicatorSet::kBlockTicks * row_bytes);
  return Status::Ok();
}

}  // namespace ticklab::stats
