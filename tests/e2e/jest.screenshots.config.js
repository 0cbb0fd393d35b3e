import base from '../../jest.config.base.js';

// `npm run screenshots`: not a test, the console's screenshots in docs/console/ taken afresh.
export default { ...base, rootDir: import.meta.dirname, testMatch: ['<rootDir>/screenshots/**/*.screens.ts'], testTimeout: 180000 };
