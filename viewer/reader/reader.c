/* babeltrace2 reader: see reader.h */
