/** Suites that drive a real peer installed from Debian (the mistral CLI, later OpenStack). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/peers'],
  testRegex: '.*\\.peer-spec\\.ts$',
  testTimeout: 120000,
};
