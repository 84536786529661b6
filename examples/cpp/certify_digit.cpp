// Certifies one input of an ONNX classifier with the library: the CROWN bounds of every output
// over the L-infinity ball of radius eps around the input, clipped to [0, 1], and whether the
// predicted class provably stays the largest. The bounds are printed exactly (17 digits).
//   certify_digit MODEL.onnx EPS X1,X2,...
#include <cstdlib>
#include <iomanip>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: certify_digit MODEL.onnx EPS X1,X2,...\n";
    return 2;
  }
  try {
    const certnn::model::Network network = certnn::onnx::import_model(argv[1]);
    const double eps = std::stod(argv[2]);
    std::vector<double> values;
    std::stringstream text(argv[3]);
    for (std::string item; std::getline(text, item, ',');) values.push_back(std::stod(item));
    const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));

    const Eigen::VectorXd scores = certnn::model::forward(network, Eigen::MatrixXd(x)).col(0);
    Eigen::Index label = 0;
    scores.maxCoeff(&label);
    const auto crown = certnn::bounds::make_sound_method("crown", "certify_digit");
    const certnn::bounds::Result result =
        crown->propagate(network, certnn::bounds::linf_ball(x, eps, certnn::bounds::Domain{0.0, 1.0}), {});

    // Robust when the predicted output's lower bound is above every other output's upper bound.
    bool robust = result.sound;
    std::cout << std::setprecision(17);
    for (Eigen::Index j = 0; j < scores.size(); ++j) {
      std::cout << "y" << j << " in [" << result.output.lower(j) << ", " << result.output.upper(j) << "]\n";
      if (j != label && result.output.upper(j) >= result.output.lower(label)) robust = false;
    }
    std::cout << "prediction " << label << (robust ? " certified" : " not certified") << " at eps " << eps << "\n";
    return EXIT_SUCCESS;
  } catch (const std::exception& e) {
    std::cerr << "certify_digit: " << e.what() << "\n";
    return EXIT_FAILURE;
  }
}
