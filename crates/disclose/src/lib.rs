//! Public notices for shuangsuiji draws (issue 5).
#![deny(missing_docs)]
