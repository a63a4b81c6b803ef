"""A click-stream pipeline: raw logs on HDFS, sessions built in a container, results published."""
