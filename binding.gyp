{
  "targets": [
    {
      "target_name": "tpu_embeddings_native",
      "sources": [
        "src/kernels/native/addon.cc",
        "src/kernels/native/thread-pool.cc",
        "src/kernels/native/row-combine.cc",
        "src/kernels/native/id-router.cc",
        "src/kernels/native/route-combine.cc",
        "src/kernels/native/gradient-sum.cc",
        "src/kernels/native/row-update.cc",
        "src/kernels/native/row-update-exact.cc",
        "src/kernels/native/huge-pages.cc",
        "src/kernels/native/blas-matmul.cc",
        "src/kernels/native/input-scan.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"],
      "cflags": ["-O3", "-ffp-contract=off"],
      "libraries": ["-lpthread", "-ldl"]
    }
  ]
}
