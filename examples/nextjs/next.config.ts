// Builds against the sluice packages' TypeScript sources (the repository's @sluice/source condition).
import type { NextConfig } from 'next'

const config: NextConfig = {
  // The tests build into a scratch folder of their own.
  distDir: process.env.NEXT_DIST_DIR ?? '.next',
  transpilePackages: ['@sluice/core', '@sluice/fetch', '@sluice/memory'],
  typescript: { ignoreBuildErrors: true },
  webpack: (webpack) => {
    webpack.resolve.conditionNames = ['@sluice/source', '...']
    return webpack
  },
}

export default config
