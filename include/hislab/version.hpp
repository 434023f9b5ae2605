#pragma once
/// \file version.hpp
/// The library version. This is the only file a release edits; CMake reads it.

#define HISLAB_VERSION_MAJOR 0
#define HISLAB_VERSION_MINOR 1
#define HISLAB_VERSION_PATCH 0
#define HISLAB_VERSION "0.1.0"
