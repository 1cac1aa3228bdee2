/**
 * Generated from schemas/registry.openapi.yaml by scripts/wire-types.js (npm run generate:wire).
 * Do not edit: change the contract and regenerate; `npm run typecheck` fails while this is stale.
 */

export interface paths {
    "/v0.1/servers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    search?: string;
                    updated_since?: string;
                    version?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description servers */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServerList"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v0.1/servers/{serverName}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serverName: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description versions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServerList"];
                    };
                };
                /** @description not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v0.1/servers/{serverName}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    serverName: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description a version */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServerResponse"];
                    };
                };
                /** @description not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error?: string;
        };
        Repository: {
            /** Format: uri */
            url: string;
            source: string;
            id?: string;
            subfolder?: string;
        };
        ServerList: {
            servers: components["schemas"]["ServerResponse"][];
            metadata?: {
                nextCursor?: string;
                count?: number;
            };
        };
        Package: {
            registryType: string;
            /** Format: uri */
            registryBaseUrl?: string;
            identifier: string;
            version?: string;
            fileSha256?: string;
            runtimeHint?: string;
            transport: components["schemas"]["StdioTransport"] | components["schemas"]["StreamableHttpTransport"] | components["schemas"]["SseTransport"];
            runtimeArguments?: components["schemas"]["Argument"][];
            packageArguments?: components["schemas"]["Argument"][];
            environmentVariables?: components["schemas"]["KeyValueInput"][];
        };
        Input: {
            description?: string;
            /** @default false */
            isRequired: boolean;
            /**
             * @default string
             * @enum {string}
             */
            format: "string" | "number" | "boolean" | "filepath";
            value?: string;
            /** @default false */
            isSecret: boolean;
            default?: string;
            placeholder?: string;
            choices?: string[];
        };
        InputWithVariables: components["schemas"]["Input"] & {
            variables?: {
                [key: string]: components["schemas"]["Input"];
            };
        };
        PositionalArgument: components["schemas"]["InputWithVariables"] & ({
            /** @enum {string} */
            type: "positional";
            valueHint?: string;
            /** @default false */
            isRepeated: boolean;
        } | unknown | unknown);
        NamedArgument: components["schemas"]["InputWithVariables"] & {
            /** @enum {string} */
            type: "named";
            name: string;
            /** @default false */
            isRepeated: boolean;
        };
        KeyValueInput: components["schemas"]["InputWithVariables"] & {
            name: string;
        };
        Argument: components["schemas"]["PositionalArgument"] | components["schemas"]["NamedArgument"];
        StdioTransport: {
            /** @enum {string} */
            type: "stdio";
        };
        StreamableHttpTransport: {
            /** @enum {string} */
            type: "streamable-http";
            url: string;
            headers?: components["schemas"]["KeyValueInput"][];
        };
        SseTransport: {
            /** @enum {string} */
            type: "sse";
            /** Format: uri */
            url: string;
            headers?: components["schemas"]["KeyValueInput"][];
        };
        Icon: {
            /** Format: uri */
            src: string;
            /** @enum {string} */
            mimeType?: "image/png" | "image/jpeg" | "image/jpg" | "image/svg+xml" | "image/webp";
            sizes?: string[];
            /** @enum {string} */
            theme?: "light" | "dark";
        };
        ServerDetail: {
            name: string;
            description: string;
            title?: string;
            repository?: components["schemas"]["Repository"];
            version: string;
            /** Format: uri */
            websiteUrl?: string;
            icons?: components["schemas"]["Icon"][];
            /** Format: uri */
            $schema?: string;
            packages?: components["schemas"]["Package"][];
            remotes?: (components["schemas"]["StreamableHttpTransport"] | components["schemas"]["SseTransport"])[];
            _meta?: {
                "io.modelcontextprotocol.registry/publisher-provided"?: {
                    [key: string]: unknown;
                };
            };
        };
        ServerResponse: {
            server: components["schemas"]["ServerDetail"];
            _meta?: {
                "io.modelcontextprotocol.registry/official"?: {
                    /** @enum {string} */
                    status?: "active" | "deprecated" | "deleted";
                    /** Format: date-time */
                    publishedAt?: string;
                    /** Format: date-time */
                    updatedAt?: string;
                    isLatest?: boolean;
                };
            } & {
                [key: string]: unknown;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
