// `npm start`: builds dist/ only when the sources changed since the last build, then runs the service.
'use strict';
const path = require('node:path');
const { build } = require('./build');

build();
require(path.resolve(__dirname, '..', 'dist', 'main.js'));
