// The test model picker and repo paths are shared with the CLI example's tests (one implementation).
export * from '../../cli/test/model-folder';
