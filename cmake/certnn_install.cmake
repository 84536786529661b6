# `cmake --install`: the command, libcertnn (static and shared), the public headers, a CMake
# package (find_package(certnn): certnn::certnn static, certnn::certnn_shared) and a pkg-config
# file (certnn.pc: -lcertnn links the shared library; --static adds what the static one needs). examples/cpp is an outside project that uses
# them; tests/install builds it against an installed copy.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS certnn_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS certnn certnn_shared EXPORT certnnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Every header but the importer's internals, which name ONNX's protobuf types.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/src/certnn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp"
        PATTERN "node_attributes.hpp" EXCLUDE
        PATTERN "constant_folding.hpp" EXCLUDE)

set(CERTNN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/certnn)
install(EXPORT certnnTargets NAMESPACE certnn:: DESTINATION ${CERTNN_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/certnnConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/certnnConfig.cmake INSTALL_DESTINATION ${CERTNN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/certnnConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/certnnConfig.cmake ${CMAKE_BINARY_DIR}/certnnConfigVersion.cmake
        DESTINATION ${CERTNN_CMAKE_DIR})

# The .pc file names its prefix relative to itself, so an installed tree can be moved.
file(RELATIVE_PATH CERTNN_PC_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(JOIN " " CERTNN_PC_ARCH_FLAGS ${CERTNN_ARCH_FLAGS})
configure_file(${CMAKE_SOURCE_DIR}/cmake/certnn.pc.in ${CMAKE_BINARY_DIR}/certnn.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/certnn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
