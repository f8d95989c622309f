// Start the Mojaloop Testing Toolkit (npm ml-testing-toolkit) from a run folder.
//
// The package's own src/index.js always opens its admin API on port 5050; this starts the same
// parts with the admin port taken from TTK_ADMIN_PORT, so that two runs (two test workers, a
// test run next to the demo) each have their own ports. The FSPIOP port is API_PORT in the run
// folder's spec_files/system_config.json. Run it with the run folder as the working directory:
// the toolkit reads and writes spec_files/ there, never in node_modules.
'use strict'
const path = require('path')
const root = path.dirname(require.resolve('ml-testing-toolkit/package.json'))
const lib = (name) => require(path.join(root, 'src', 'lib', name))

const adminPort = Number(process.env.TTK_ADMIN_PORT || 5050)

const start = async () => {
  const logger = lib('requestLogger')
  const config = lib('config')
  const apiServer = lib('api-server')
  logger.logMessage('info', 'Toolkit Initialization started...', { notification: false })
  await config.loadSystemConfig()
  await config.loadUserConfig()
  apiServer.startServer(adminPort)
  lib('socket-server').initServer(apiServer.getHttp())
  await lib(path.join('report-generator', 'generator')).initialize()
  await require(path.join(root, 'src', 'server')).initialize()
  logger.logMessage('info', 'Toolkit Initialization completed.', { notification: false })
}

start().catch((err) => {
  console.error(err)
  process.exit(1)
})
