SUITE(core)
SUITE(vote)
