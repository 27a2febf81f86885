import { defineConfig } from 'vitest/config'

// Unit tests sit beside the code; integration tests live under test/ and talk to the real control
// plane that test/global-setup.ts starts; end-to-end tests live under test/cluster/ and run on the
// local cluster that test/cluster/global-setup.ts brings up.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'kube/**/*.test.ts', 'functions/**/*.test.ts', 'cni/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/cluster/**'],
          // Builds (cold: minutes) and starts etcd + kube-apiserver once for the run.
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
          // One shared API server: files run one after another so they do not race on it.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          // Brings up the local cluster (real kubelets, containerd, controllers) and installs
          // Spinneret on it once for the run; removes it afterwards (scripts/cluster).
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // One cluster: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
})
