# The README's commands. Each installs what is missing, then builds.
BUILD_DIR ?= build
SANITIZE_DIR ?= build-sanitize
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= 2
DATA_DIR ?= var/demo
LISTEN ?= 127.0.0.1:8080
# Seeds and steps per seed of `make simulate` (make test runs 500 seeds).
SEEDS ?= 10000
STEPS ?= 2000

.PHONY: deps build run test simulate bench sanitize fuzz tidy format clean

deps:
	@scripts/install-deps

$(BUILD_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/Makefile
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	mkdir -p $(DATA_DIR)
	$(BUILD_DIR)/app/tillroll serve --data-dir $(DATA_DIR) --listen $(LISTEN) --demo

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600

simulate: deps $(BUILD_DIR)/Makefile
	cmake --build $(BUILD_DIR) --target tillroll_simulator -j$(JOBS)
	$(BUILD_DIR)/test/simulation/tillroll_simulator --seeds $(SEEDS) --steps $(STEPS)

bench: build
	@scripts/install-deps --bench
	scripts/run-benchmarks $(BUILD_DIR)

sanitize: deps
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DTILLROLL_SANITIZE=ON
	cmake --build $(SANITIZE_DIR) -j$(JOBS)
	cd $(SANITIZE_DIR) && ctest --output-on-failure --timeout 1200

# libFuzzer over every harness of test/fuzz for FUZZ_SECONDS each, from a
# copy of its corpus; findings are left in $(FUZZ_DIR)/findings.
fuzz: deps
	@scripts/install-deps --fuzz
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTILLROLL_FUZZ=ON
	cmake --build $(FUZZ_DIR) --target tillroll_fuzzers -j$(JOBS)
	scripts/run-fuzzers $(FUZZ_DIR) $(FUZZ_SECONDS)

# clang-tidy (.clang-tidy: bugprone-*, functions of at most 70 lines) over
# the product's sources; any finding fails.
tidy: deps $(BUILD_DIR)/Makefile
	@scripts/install-deps --tidy
	JOBS=$(JOBS) scripts/run-tidy $(BUILD_DIR)

format:
	find actors app bench events http projections snapshots test -name '*.[ch]pp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
