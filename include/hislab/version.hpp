#pragma once
/// \file version.hpp
/// The library version. This is the only file a release edits; CMake reads it.

#define HISLAB_VERSION_MAJOR 0  ///< major version
#define HISLAB_VERSION_MINOR 1  ///< minor version (until 1.0 a minor release may break the API)
#define HISLAB_VERSION_PATCH 0  ///< patch version
#define HISLAB_VERSION "0.1.0"  ///< the version as a string
