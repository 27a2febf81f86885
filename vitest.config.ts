import { defineConfig } from 'vitest/config'

// Unit tests sit beside the code; integration and e2e tests live under test/ and talk to the
// real control plane that test/global-setup.ts starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'cni/**/*.test.ts'],
        },
      },
    ],
  },
})
