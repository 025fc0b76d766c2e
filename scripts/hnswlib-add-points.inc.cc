  // Sluice (scripts/native-hnswlib.mjs): inserts n points from one flat Float32Array (n * dim)
  // with n labels, on `threads` threads. hnswlib's addPoint is thread-safe: this is what its
  // Python binding's add_items does. One crossing for the whole batch, no number[] per point.
  Napi::Value addPointsParallel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
      Napi::TypeError::New(env, "Expected (Float32Array points, Uint32Array labels, number threads[, boolean replaceDeleted]).")
        .ThrowAsJavaScriptException();
      return env.Null();
    }
    if (info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      Napi::TypeError::New(env, "points must be a Float32Array and labels a Uint32Array.").ThrowAsJavaScriptException();
      return env.Null();
    }
    if (index_ == nullptr) {
      Napi::Error::New(env, "Search index has not been initialized, call `initIndex` in advance.").ThrowAsJavaScriptException();
      return env.Null();
    }
    Napi::Float32Array points = info[0].As<Napi::Float32Array>();
    Napi::Uint32Array labels = info[1].As<Napi::Uint32Array>();
    const size_t n = labels.ElementLength();
    if (points.ElementLength() != n * dim_) {
      Napi::Error::New(env, "points holds " + std::to_string(points.ElementLength()) + " floats, expected labels.length * " +
                              std::to_string(dim_) + ".").ThrowAsJavaScriptException();
      return env.Null();
    }
    const uint32_t wanted = info[2].As<Napi::Number>().Uint32Value();
    const size_t threads = std::max<size_t>(1, std::min<size_t>({static_cast<size_t>(wanted), static_cast<size_t>(64), n}));
    const bool replace_deleted = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
    const float* data = points.Data();
    const uint32_t* ids = labels.Data();
    const size_t dim = dim_;
    const bool normalize = normalize_;
    hnswlib::HierarchicalNSW<float>* index = index_;
    std::atomic<size_t> next(0);
    std::mutex error_lock;
    std::string error;
    auto work = [&]() {
      std::vector<float> vec(dim);
      for (;;) {
        const size_t i = next.fetch_add(1);
        if (i >= n) return;
        std::copy(data + i * dim, data + (i + 1) * dim, vec.begin());
        if (normalize) normalizePoint(vec);
        try {
          index->addPoint(reinterpret_cast<void*>(vec.data()), static_cast<hnswlib::labeltype>(ids[i]), replace_deleted);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> guard(error_lock);
          if (error.empty()) error = e.what();
          next.store(n);
          return;
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; t++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!error.empty()) {
      Napi::Error::New(env, "Hnswlib Error: " + error).ThrowAsJavaScriptException();
      return env.Null();
    }
    return env.Null();
  }

