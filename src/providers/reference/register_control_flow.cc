#include "providers/reference/control_flow/control_flow.h"
#include "providers/reference/register.h"

namespace berth {

void RegisterControlFlowKernels(KernelRegistry& registry) {
  registry.Register("", "If", CreateIf);
  registry.Register("", "Loop", CreateLoop);
  registry.Register("", "Scan", CreateScan);

  registry.Register("", "SequenceEmpty", CreateSequenceEmpty);
  registry.Register("", "SequenceConstruct", CreateSequenceConstruct);
  registry.Register("", "SequenceInsert", CreateSequenceInsert);
  registry.Register("", "SequenceAt", CreateSequenceAt);
  registry.Register("", "SequenceErase", CreateSequenceErase);
  registry.Register("", "SequenceLength", CreateSequenceLength);
  registry.Register("", "SplitToSequence", CreateSplitToSequence);
  registry.Register("", "ConcatFromSequence", CreateConcatFromSequence);
  registry.Register("", "SequenceMap", CreateSequenceMap);

  registry.Register("", "Optional", CreateOptional);
  registry.Register("", "OptionalHasElement", CreateOptionalHasElement);
  registry.Register("", "OptionalGetElement", CreateOptionalGetElement);
}

}  // namespace berth
