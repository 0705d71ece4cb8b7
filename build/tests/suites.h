SUITE(core)
