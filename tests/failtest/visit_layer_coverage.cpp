// Fail test for the extension rule (DESIGN §3): an analysis step that leaves a layer kind
// unhandled, or both handles and refuses one, must not compile. This one file is built three
// ways (see CMakeLists.txt); only the build with the complete step is allowed to succeed.
//
//   CERTNN_FAILTEST_HANDLE_PAD      defined: the step handles every kind (the control build).
//                                   undefined: Pad is neither handled nor refused.
//   CERTNN_FAILTEST_ALSO_REFUSE_RELU  defined: Relu is listed as refused although handled.
#include <string_view>

#include "certnn/model/kind_dispatch.hpp"

namespace certnn::model {
namespace {

// Written out kind by kind, as every real analysis is, so the control build also breaks when a
// kind is added to LayerOp without being added here.
struct KindNameStep {
  std::string_view operator()(const Dense&) const { return Dense::kind_name; }
  std::string_view operator()(const Conv2d&) const { return Conv2d::kind_name; }
  std::string_view operator()(const Relu&) const { return Relu::kind_name; }
  std::string_view operator()(const LeakyRelu&) const { return LeakyRelu::kind_name; }
  std::string_view operator()(const Sigmoid&) const { return Sigmoid::kind_name; }
  std::string_view operator()(const Tanh&) const { return Tanh::kind_name; }
  std::string_view operator()(const Softmax&) const { return Softmax::kind_name; }
  std::string_view operator()(const Reshape&) const { return Reshape::kind_name; }
  std::string_view operator()(const BatchNorm&) const { return BatchNorm::kind_name; }
  std::string_view operator()(const AddTensors&) const { return AddTensors::kind_name; }
  std::string_view operator()(const SubTensors&) const { return SubTensors::kind_name; }
  std::string_view operator()(const AddConstant&) const { return AddConstant::kind_name; }
  std::string_view operator()(const SubConstant&) const { return SubConstant::kind_name; }
  std::string_view operator()(const MulConstant&) const { return MulConstant::kind_name; }
  std::string_view operator()(const DivConstant&) const { return DivConstant::kind_name; }
  std::string_view operator()(const AveragePool&) const { return AveragePool::kind_name; }
  std::string_view operator()(const MaxPool&) const { return MaxPool::kind_name; }
#ifdef CERTNN_FAILTEST_HANDLE_PAD
  std::string_view operator()(const Pad&) const { return Pad::kind_name; }
#endif
};

#ifdef CERTNN_FAILTEST_ALSO_REFUSE_RELU
using Refused = KindList<Relu>;
#else
using Refused = KindList<>;
#endif

}  // namespace

// Not static and not in an anonymous namespace, so the instantiation cannot be dropped unused.
std::string_view failtest_kind_name(const LayerOp& op) {
  return visit_layer<Refused>(op, KindNameStep{}, [](std::string_view name) { return name; });
}

}  // namespace certnn::model
