//! The exact arithmetic of the export (format.md §12–§18, §26 (b)).
//!
//! Pure functions over slices, shared with the AnnData server mode. Every function reproduces
//! the reference writer bit for bit; the order of every floating-point reduction is part of the
//! contract and is documented on each function.

pub mod centroids;
pub mod codes;
pub mod connectivity;
pub mod members;
pub mod normalise;
pub mod outliers;
pub mod pairwise;
pub mod vectors;

pub use centroids::{category_centroid, field_centroids, CategoryCentroid, Centroid};
pub use codes::{resolve_codes_width, CodesWidth, CodesWidthError};
pub use connectivity::{edges_from_csr, edges_from_dense, Edges, GraphError};
pub use members::{members_by_category, MembersError};
pub use normalise::{normalise_embedding, NormaliseError, NormalisedEmbedding};
pub use outliers::{latent_outlier_quantiles, LatentShapeError};
pub use pairwise::pairwise_sum;
pub use vectors::{parse_vector_key, scale_vectors, VectorError, VectorKey};
