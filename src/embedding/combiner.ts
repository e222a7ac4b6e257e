/** How the rows of one sample's bag of ids are reduced to one vector. */
export const COMBINERS = ['mean', 'sum', 'sqrtn'] as const;
/**
 * One of {@link COMBINERS}, with weights wᵢ and rows eᵢ of one sample:
 * sum = Σwᵢeᵢ; mean = Σwᵢeᵢ / Σwᵢ; sqrtn = Σwᵢeᵢ / √Σwᵢ². An empty bag (or a zero denominator) gives zeros.
 */
export type Combiner = (typeof COMBINERS)[number];
