#pragma once
/// \file config.hpp
/// User knobs in, derived facts out.
///
/// Knobs (all default to 0 and are tested with `#if`, so `-DX`, `-DX=1` and `-DX=0` mean what
/// they say; a knob defined empty in source counts as 1):
///   HISLAB_FORCE_SCALAR      use the portable BitBlock kernel on any machine
///   HISLAB_DISABLE_AVX512    never pick the AVX-512 kernel
///   HISLAB_DISABLE_AVX2      never pick the AVX2 kernel
///   HISLAB_DISABLE_NEON      never pick the NEON kernel
///   HISLAB_ENABLE_ASSERTS    keep HISLAB_ASSERT checks even under NDEBUG
///
/// Derived facts (never set these yourself):
///   HISLAB_DETAIL_KERNEL_{AVX512,AVX2,NEON,SCALAR}   exactly one is 1
///   HISLAB_HAS_EXCEPTIONS, HISLAB_DETAIL_ASSERTS, HISLAB_DETAIL_HAS_BMI2, HISLAB_DETAIL_HAS_BITALG

#include "version.hpp"

// `~(~X + 0) == 0 && ~(~X + 1) == 1` holds only when X expands to nothing.
#if !defined(HISLAB_FORCE_SCALAR)
#define HISLAB_DETAIL_KNOB_FORCE_SCALAR 0
#elif ~(~HISLAB_FORCE_SCALAR + 0) == 0 && ~(~HISLAB_FORCE_SCALAR + 1) == 1
#define HISLAB_DETAIL_KNOB_FORCE_SCALAR 1
#else
#define HISLAB_DETAIL_KNOB_FORCE_SCALAR (HISLAB_FORCE_SCALAR)
#endif

#if !defined(HISLAB_DISABLE_AVX512)
#define HISLAB_DETAIL_KNOB_DISABLE_AVX512 0
#elif ~(~HISLAB_DISABLE_AVX512 + 0) == 0 && ~(~HISLAB_DISABLE_AVX512 + 1) == 1
#define HISLAB_DETAIL_KNOB_DISABLE_AVX512 1
#else
#define HISLAB_DETAIL_KNOB_DISABLE_AVX512 (HISLAB_DISABLE_AVX512)
#endif

#if !defined(HISLAB_DISABLE_AVX2)
#define HISLAB_DETAIL_KNOB_DISABLE_AVX2 0
#elif ~(~HISLAB_DISABLE_AVX2 + 0) == 0 && ~(~HISLAB_DISABLE_AVX2 + 1) == 1
#define HISLAB_DETAIL_KNOB_DISABLE_AVX2 1
#else
#define HISLAB_DETAIL_KNOB_DISABLE_AVX2 (HISLAB_DISABLE_AVX2)
#endif

#if !defined(HISLAB_DISABLE_NEON)
#define HISLAB_DETAIL_KNOB_DISABLE_NEON 0
#elif ~(~HISLAB_DISABLE_NEON + 0) == 0 && ~(~HISLAB_DISABLE_NEON + 1) == 1
#define HISLAB_DETAIL_KNOB_DISABLE_NEON 1
#else
#define HISLAB_DETAIL_KNOB_DISABLE_NEON (HISLAB_DISABLE_NEON)
#endif

#if !defined(HISLAB_ENABLE_ASSERTS)
#define HISLAB_DETAIL_KNOB_ENABLE_ASSERTS 0
#elif ~(~HISLAB_ENABLE_ASSERTS + 0) == 0 && ~(~HISLAB_ENABLE_ASSERTS + 1) == 1
#define HISLAB_DETAIL_KNOB_ENABLE_ASSERTS 1
#else
#define HISLAB_DETAIL_KNOB_ENABLE_ASSERTS (HISLAB_ENABLE_ASSERTS)
#endif

#if defined(HISLAB_DETAIL_KERNEL_AVX512) || defined(HISLAB_DETAIL_KERNEL_AVX2) || \
    defined(HISLAB_DETAIL_KERNEL_NEON) || defined(HISLAB_DETAIL_KERNEL_SCALAR)
#error "HISLAB_DETAIL_KERNEL_* are derived by hislab/config.hpp; use HISLAB_FORCE_SCALAR / HISLAB_DISABLE_*"
#endif
#if defined(HISLAB_HAS_EXCEPTIONS) || defined(HISLAB_DETAIL_ASSERTS) || defined(HISLAB_DETAIL_HAS_BMI2) || \
    defined(HISLAB_DETAIL_HAS_BITALG)
#error "HISLAB_HAS_EXCEPTIONS / HISLAB_DETAIL_* are derived by hislab/config.hpp; do not define them"
#endif

#if HISLAB_DETAIL_KNOB_FORCE_SCALAR
#define HISLAB_DETAIL_KERNEL_SCALAR 1
#elif defined(__AVX512F__) && !HISLAB_DETAIL_KNOB_DISABLE_AVX512
#define HISLAB_DETAIL_KERNEL_AVX512 1
#elif defined(__AVX2__) && !HISLAB_DETAIL_KNOB_DISABLE_AVX2
#define HISLAB_DETAIL_KERNEL_AVX2 1
#elif (defined(__ARM_NEON) || defined(__ARM_NEON__)) && (defined(__aarch64__) || defined(_M_ARM64)) && \
    !HISLAB_DETAIL_KNOB_DISABLE_NEON
#define HISLAB_DETAIL_KERNEL_NEON 1
#else
#define HISLAB_DETAIL_KERNEL_SCALAR 1
#endif
#ifndef HISLAB_DETAIL_KERNEL_AVX512
#define HISLAB_DETAIL_KERNEL_AVX512 0
#endif
#ifndef HISLAB_DETAIL_KERNEL_AVX2
#define HISLAB_DETAIL_KERNEL_AVX2 0
#endif
#ifndef HISLAB_DETAIL_KERNEL_NEON
#define HISLAB_DETAIL_KERNEL_NEON 0
#endif
#ifndef HISLAB_DETAIL_KERNEL_SCALAR
#define HISLAB_DETAIL_KERNEL_SCALAR 0
#endif

// BMI2 `pdep` gives select-in-word in two instructions; the portable path is used otherwise.
#if defined(__BMI2__) && (defined(__x86_64__) || defined(_M_X64)) && !HISLAB_DETAIL_KNOB_FORCE_SCALAR
#define HISLAB_DETAIL_HAS_BMI2 1
#else
#define HISLAB_DETAIL_HAS_BMI2 0
#endif

// AVX-512 BITALG (per-byte popcounts) speeds up select in a block; the path also needs AVX-512 BW.
#if HISLAB_DETAIL_KERNEL_AVX512 && defined(__AVX512BITALG__) && defined(__AVX512BW__)
#define HISLAB_DETAIL_HAS_BITALG 1
#else
#define HISLAB_DETAIL_HAS_BITALG 0
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
/// 1 when exceptions are enabled; without them every throw site prints its message and aborts.
#define HISLAB_HAS_EXCEPTIONS 1
#else
#define HISLAB_HAS_EXCEPTIONS \
  0  ///< 1 when exceptions are enabled; without them every throw site prints its message and aborts
#endif

#if HISLAB_DETAIL_KNOB_ENABLE_ASSERTS || !defined(NDEBUG)
#define HISLAB_DETAIL_ASSERTS 1
#else
#define HISLAB_DETAIL_ASSERTS 0
#endif

// The ABI namespace names the version, the kernel and every other target feature that changes
// the body of an inline function (BMI2, BITALG), so that a TU built with -mavx2 -mbmi2 and one
// built without cannot silently share one definition: the linker could keep the body that the
// running CPU cannot execute (SIGILL). Mixing them is a link error instead wherever the two TUs
// pass hislab types to each other, and otherwise each TU keeps its own copies.
#if HISLAB_DETAIL_KERNEL_AVX512 && HISLAB_DETAIL_HAS_BITALG && HISLAB_DETAIL_HAS_BMI2
#define HISLAB_DETAIL_ABI v0_1_avx512_bitalg_bmi2
#elif HISLAB_DETAIL_KERNEL_AVX512 && HISLAB_DETAIL_HAS_BITALG
#define HISLAB_DETAIL_ABI v0_1_avx512_bitalg
#elif HISLAB_DETAIL_KERNEL_AVX512 && HISLAB_DETAIL_HAS_BMI2
#define HISLAB_DETAIL_ABI v0_1_avx512_bmi2
#elif HISLAB_DETAIL_KERNEL_AVX512
#define HISLAB_DETAIL_ABI v0_1_avx512
#elif HISLAB_DETAIL_KERNEL_AVX2 && HISLAB_DETAIL_HAS_BMI2
#define HISLAB_DETAIL_ABI v0_1_avx2_bmi2
#elif HISLAB_DETAIL_KERNEL_AVX2
#define HISLAB_DETAIL_ABI v0_1_avx2
#elif HISLAB_DETAIL_KERNEL_NEON
#define HISLAB_DETAIL_ABI v0_1_neon
#elif HISLAB_DETAIL_HAS_BMI2
#define HISLAB_DETAIL_ABI v0_1_scalar_bmi2
#else
#define HISLAB_DETAIL_ABI v0_1_scalar
#endif

#define HISLAB_NAMESPACE_BEGIN \
  namespace hislab {           \
  inline namespace HISLAB_DETAIL_ABI {
#define HISLAB_NAMESPACE_END \
  }                          \
  }
