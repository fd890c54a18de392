// Types of generate-validator.mjs, for the test that checks the committed validator is fresh.
export declare const schemaPath: string;
export declare const validatorPath: string;
export declare function generateValidatorSource(schemaText: string): string;
