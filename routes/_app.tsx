// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import { asset } from "../app/fresh_runtime.ts";
import { define } from "../app/define.ts";

// `asset()` does not add the base path (as in Fresh): build it from config.
export default define.page(function App({ Component, config }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <title>slabscope</title>
        <link rel="icon" type="image/svg+xml" href={asset(`${config.basePath}/favicon.svg`)} />
        <link rel="stylesheet" href={asset(`${config.basePath}/styles.css`)} />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
});
