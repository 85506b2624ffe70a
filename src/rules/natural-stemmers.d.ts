// natural ships no declarations for its per-language stemmer modules; importing them one by
// one (instead of "natural") keeps its classifiers, wordnet and database clients out of the bundle.
declare module "natural/lib/natural/stemmers/*.js" {
  const stemmer: { stem(token: string): string };
  export default stemmer;
}
